// expect: ok axios function
import axios from "axios";

const api = axios.create({ baseURL: "/api", timeout: 1000 });
console.log("ok axios", typeof api.get);
