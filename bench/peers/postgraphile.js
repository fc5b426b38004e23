// PostGraphile v4 over the peers schema (peers.sql), for bench/peers. Run by run.sh with
// the packages it installs into a temporary folder: NODE_PATH points there.
// Environment: DATABASE_URL, JWT_SECRET; prints "listening <port>" once it serves.
const http = require("http");
const { postgraphile } = require("postgraphile");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const middleware = postgraphile(process.env.DATABASE_URL, "peers", {
  appendPlugins: [ConnectionFilterPlugin],
  jwtSecret: process.env.JWT_SECRET,
  jwtVerifyOptions: { audience: "laborx" },
  disableDefaultMutations: true,
  disableQueryLog: true,
  setofFunctionsContainNulls: false,
  retryOnInitFail: false,
  graphqlRoute: "/graphql",
});
const server = http.createServer(middleware);
server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
