export {
  countUnfinished,
  type Reservation,
  releaseUnfinished,
  reserveUnfinished,
  unfinishedKey,
} from './unfinished.js';
