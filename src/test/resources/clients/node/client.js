// A Pushgateway client (prom-client's Pushgateway) driven line by line on stdin, so a test can check
// the Pushgateway between steps. Args: GATEWAY_URL JOB INSTANCE [USER PASSWORD]. Commands:
// "put NAME VALUE" (push, PUT), "add NAME VALUE" (pushAdd, POST), "delete". Answers "ok" or "error ...".
const client = require('prom-client');
const readline = require('readline');

const [url, job, instance, user, password] = process.argv.slice(2);
const options = user ? { auth: `${user}:${password}`, timeout: 10000 } : { timeout: 10000 };
const groupings = { instance };

(async () => {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (!f[0]) continue;
    const registry = new client.Registry();
    const gateway = new client.Pushgateway(url, options, registry);
    try {
      if (f[0] === 'put' || f[0] === 'add') {
        const gauge = new client.Gauge({ name: f[1], help: 'matrix', registers: [registry] });
        gauge.set(Number(f[2]));
        if (f[0] === 'put') await gateway.push({ jobName: job, groupings });
        else await gateway.pushAdd({ jobName: job, groupings });
      } else if (f[0] === 'delete') {
        await gateway.delete({ jobName: job, groupings });
      }
      console.log('ok');
    } catch (e) {
      console.log('error ' + String((e && e.message) || e).replace(/\n/g, ' '));
    }
  }
})();
