// expect: ok socket.io-client false
import { io } from "socket.io-client";

const socket = io({ autoConnect: false });
console.log("ok socket.io-client", socket.connected);
