import { benchCapacity } from './capacity.js';

const mode = (process.argv[2] ?? 'unknown') as 'known' | 'unknown';
const r = await benchCapacity(mode, 400, 3000);
console.log(JSON.stringify(r));
process.exit(0);
