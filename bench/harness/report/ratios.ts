// sett's ops/s over each peer's, per workload: what the summary table and the chart show.

import type { EngineName } from '../engines/engine.js';
import type { EngineRun, RunResults, WorkloadResult } from '../results.js';
import type { WorkloadName } from '../workloads.js';

export interface RatioRow {
  workload: WorkloadName;
  /** ops/s per engine that ran the workload. */
  rates: Partial<Record<EngineName, number>>;
  /** sett / peer, per peer that ran it (sett must have run it too); undefined when a side is invalid. */
  ratios: Partial<Record<EngineName, number | undefined>>;
  /** Engines whose result for this workload carries a problem. */
  invalid: EngineName[];
}

export function resultOf(runs: readonly EngineRun[], engine: EngineName, workload: WorkloadName): WorkloadResult | undefined {
  return runs.find((r) => r.engine === engine)?.results.find((r) => r.workload === workload);
}

/** The peers (every engine but sett) that ran, in run order. */
export function peersOf(results: RunResults): EngineRun[] {
  return results.engines.filter((r) => r.engine !== 'sett');
}

export function ratioRows(results: RunResults): RatioRow[] {
  const rows: RatioRow[] = [];
  for (const w of results.workloads) {
    const rates: RatioRow['rates'] = {};
    const ratios: RatioRow['ratios'] = {};
    const invalid: EngineName[] = [];
    for (const run of results.engines) {
      const r = resultOf(results.engines, run.engine, w);
      if (r === undefined) continue;
      rates[run.engine] = r.opsPerSec;
      if (r.problem !== undefined) invalid.push(run.engine);
    }
    if (Object.keys(rates).length === 0) continue;
    const mine = rates.sett;
    if (mine !== undefined) {
      for (const peer of peersOf(results)) {
        const theirs = rates[peer.engine];
        if (theirs === undefined) continue;
        ratios[peer.engine] = invalid.includes('sett') || invalid.includes(peer.engine) ? undefined : mine / theirs;
      }
    }
    rows.push({ workload: w, rates, ratios, invalid });
  }
  return rows;
}
