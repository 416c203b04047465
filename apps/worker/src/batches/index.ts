export {
  type BatchBookkeeping,
  type BatchBookkeepingDeps,
  createBatchBookkeeping,
  itemEndedBy,
} from './bookkeeping.js';
