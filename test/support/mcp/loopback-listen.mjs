// Preload for MCP servers that listen on every interface (server-everything's HTTP transports call
// app.listen(PORT)): binds them to 127.0.0.1 only and prints the real port as "LISTENING <port>" on stderr.
import http from 'node:http';

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const cb = args.find((a) => typeof a === 'function');
    this.once('listening', () => process.stderr.write(`LISTENING ${this.address().port}\n`));
    return listen.call(this, Number(args[0]), '127.0.0.1', cb);
  }
  return listen.apply(this, args);
};
