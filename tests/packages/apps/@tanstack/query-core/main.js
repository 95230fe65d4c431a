// expect: ok query-core 42
import { QueryClient } from "@tanstack/query-core";

const client = new QueryClient();
client
  .fetchQuery({ queryKey: ["answer"], queryFn: async () => 42 })
  .then((value) => console.log("ok query-core", value));
