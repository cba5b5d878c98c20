export { MergeIterator } from './merge-iterator.js';
