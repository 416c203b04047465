import { benchThroughput } from './throughput.js';

console.log(JSON.stringify(await benchThroughput(3000, 50, 1)));
