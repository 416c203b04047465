export {
  countUnfinished,
  type Reservation,
  releaseUnfinished,
  reserveUnfinished,
  sweepUnfinished,
  unfinishedKey,
} from './unfinished.js';
