// The rows and the inputs every engine of `npm run bench:tables` sees (TABLES.md §6): users of
// (id, name, email, age, city), generated from the seed with mulberry32, never Math.random. Row
// i (0-based) is a pure function of (seed, i) — its own PRNG stream, seeded from a hash of both —
// so a child can build any row, or just the email of a random one, without holding the table in
// memory, and both engines get byte-identical rows. Inserted in order into a fresh table, row i
// gets id i + 1 on either engine (auto-increment starts at 1).
//
// Emails are `first.lastI@domain` with I the row number in decimal: first and last names hold
// no digits and no '@', so I, and so the email, is unique. Their order is unrelated to the ids,
// as real emails are: the unique index is written all over, not appended to.

/** mulberry32: a 32-bit state, a 2^32 period, good enough statistics for a benchmark, very cheap. */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  reseed(seed: number): this {
    this.state = seed >>> 0;
    return this;
  }

  /** The next uint32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n), n <= 2^32. */
  below(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }
}

/** murmur3's finalizer: every input bit moves every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed for one purpose (an id order, a list of ages), so each sequence stands on its own. */
export function purposeSeed(seed: number, purpose: number): number {
  return fmix32((seed ^ Math.imul(purpose + 1, 0x9e3779b9)) >>> 0);
}

/** The stable purpose numbers (changing one changes that input only). */
export const PURPOSE = {
  rows: 1,
  getIds: 2,
  asyncGetIds: 3,
  uniqueRows: 4,
  ages: 5,
  updateIds: 6,
  warmUp: 7,
  coldGetIds: 8,
} as const;

export const FIRST_NAMES = [
  'ada', 'alan', 'alice', 'amara', 'anna', 'arjun', 'ben', 'bruno', 'carla', 'chen', 'chloe', 'dana', 'david', 'elena', 'emil', 'emma',
  'farah', 'felix', 'grace', 'hana', 'hugo', 'ines', 'ivan', 'jack', 'jana', 'jonas', 'julia', 'kai', 'kofi', 'lara', 'leo', 'lena',
  'liam', 'lucia', 'maya', 'mei', 'mia', 'nadia', 'noah', 'nora', 'omar', 'oscar', 'paula', 'priya', 'rafael', 'rosa', 'sara', 'sofia',
  'tariq', 'theo', 'una', 'victor', 'wen', 'yara', 'yusuf', 'zoe',
] as const;

export const LAST_NAMES = [
  'abe', 'adeyemi', 'alvarez', 'andersen', 'bauer', 'becker', 'brown', 'costa', 'dubois', 'eriksson', 'fischer', 'garcia', 'hansen',
  'hoffmann', 'ivanova', 'jensen', 'kim', 'kowalski', 'kumar', 'larsen', 'lee', 'lopez', 'martin', 'meyer', 'moreau', 'mueller',
  'nakamura', 'nguyen', 'novak', 'okafor', 'olsen', 'patel', 'perez', 'petrov', 'rossi', 'sato', 'schmidt', 'silva', 'singh',
  'smith', 'suzuki', 'tanaka', 'virtanen', 'wagner', 'wang', 'weber', 'wilson', 'yilmaz', 'zhang', 'zimmermann',
] as const;

export const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.test', 'post.test', 'inbox.test', 'corp.example', 'uni.example'] as const;

/** 100 cities: a full-scan filter on one city matches about 1% of the rows. */
export const CITIES = [
  'Amsterdam', 'Athens', 'Auckland', 'Austin', 'Bangalore', 'Bangkok', 'Barcelona', 'Beijing', 'Belgrade', 'Berlin', 'Bern', 'Bogota',
  'Boston', 'Brisbane', 'Brussels', 'Bucharest', 'Budapest', 'Buenos Aires', 'Cairo', 'Calgary', 'Cape Town', 'Casablanca', 'Chicago',
  'Copenhagen', 'Dakar', 'Dallas', 'Delhi', 'Denver', 'Dhaka', 'Dubai', 'Dublin', 'Edinburgh', 'Florence', 'Frankfurt', 'Geneva',
  'Hamburg', 'Hanoi', 'Helsinki', 'Hong Kong', 'Istanbul', 'Jakarta', 'Johannesburg', 'Kampala', 'Karachi', 'Kyiv', 'Kyoto', 'Lagos',
  'Lima', 'Lisbon', 'Ljubljana', 'London', 'Los Angeles', 'Lyon', 'Madrid', 'Manila', 'Marseille', 'Melbourne', 'Mexico City', 'Miami',
  'Milan', 'Montreal', 'Moscow', 'Mumbai', 'Munich', 'Nairobi', 'Naples', 'Nashville', 'New York', 'Osaka', 'Oslo', 'Ottawa', 'Paris',
  'Perth', 'Porto', 'Prague', 'Quito', 'Reykjavik', 'Riga', 'Rio de Janeiro', 'Rome', 'San Francisco', 'Santiago', 'Sao Paulo', 'Seattle',
  'Seoul', 'Shanghai', 'Singapore', 'Sofia', 'Stockholm', 'Sydney', 'Taipei', 'Tallinn', 'Tokyo', 'Toronto', 'Tunis', 'Valencia',
  'Vancouver', 'Vienna', 'Warsaw', 'Zurich',
] as const;

export const MIN_AGE = 18;
export const AGE_SPAN = 73; // 18..90

/** A row as both engines insert it (id is generated). */
export interface UserRow {
  name: string;
  email: string;
  age: number;
  city: string;
}

/** Rows 0..n-1 of one seed: `row(i)` or the email of row i alone. */
export class UserData {
  private readonly rng = new Mulberry32(0);
  private readonly rowsSeed: number;

  constructor(readonly seed: number) {
    this.rowsSeed = purposeSeed(seed, PURPOSE.rows);
  }

  private start(i: number): Mulberry32 {
    return this.rng.reseed(fmix32((this.rowsSeed ^ fmix32((i + 0x632be5ab) >>> 0)) >>> 0));
  }

  row(i: number): UserRow {
    const r = this.start(i);
    const first = FIRST_NAMES[r.below(FIRST_NAMES.length)]!;
    const last = LAST_NAMES[r.below(LAST_NAMES.length)]!;
    const domain = DOMAINS[r.below(DOMAINS.length)]!;
    const age = MIN_AGE + r.below(AGE_SPAN);
    const city = CITIES[r.below(CITIES.length)]!;
    return { name: `${cap(first)} ${cap(last)}`, email: `${first}.${last}${i}@${domain}`, age, city };
  }

  email(i: number): string {
    return this.row(i).email;
  }

  /** The city of row i alone, without building the row's strings. */
  city(i: number): string {
    const r = this.start(i);
    r.next(); // first name
    r.next(); // last name
    r.next(); // domain
    r.next(); // age
    return CITIES[r.below(CITIES.length)]!;
  }

  /** Rows from..to-1, freshly built (no engine sees an object another call may change). */
  rows(from: number, to: number): UserRow[] {
    const out = new Array<UserRow>(to - from);
    for (let i = from; i < to; i++) out[i - from] = this.row(i);
    return out;
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A seeded stream of uniform integers in [lo, lo + n): random ids, row numbers, ages. */
export class UniformStream {
  private readonly rng: Mulberry32;

  constructor(
    seed: number,
    purpose: number,
    private readonly lo: number,
    private readonly n: number,
  ) {
    this.rng = new Mulberry32(purposeSeed(seed, purpose));
  }

  next(): number {
    return this.lo + this.rng.below(this.n);
  }

  /** The next `count` values into `out` (reused between chunks). */
  fill(out: number[], count: number): number[] {
    out.length = count;
    for (let i = 0; i < count; i++) out[i] = this.next();
    return out;
  }
}
