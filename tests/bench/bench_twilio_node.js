// twilio-node against the same canned server: requests/s and p50/p99 for numbers list,
// with 1 and 16 concurrent callers (Node is single-threaded: 16 = 16 calls in flight).
// usage: node bench_twilio_node.js <base url> <requests>
const twilio = require('twilio');
const base = process.argv[2];
const total = parseInt(process.argv[3] || '3000', 10);
const ACCT = 'AC0123456789abcdef0123456789abcdef';
const client = twilio(ACCT, '0f1e2d3c4b5a69780f1e2d3c4b5a6978', { autoRetry: false });
client.api.baseUrl = base;

async function run(concurrency) {
  const lat = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < total) {
      next++;
      const s = process.hrtime.bigint();
      const page = await client.api.v2010.accounts(ACCT).incomingPhoneNumbers.page({ pageSize: 20 });
      if (page.instances.length !== 20) throw new Error('bad page');
      lat.push(Number(process.hrtime.bigint() - s) / 1e3);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  console.log(JSON.stringify({ impl: 'twilio-node', threads: concurrency, requests: lat.length,
    rps: lat.length / secs, p50_us: pct(0.5), p99_us: pct(0.99) }));
}

(async () => { await run(1); await run(16); })().catch((e) => { console.error(e); process.exit(1); });
