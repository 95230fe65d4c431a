// expect: ok dayjs 2024
import dayjs from "dayjs";

console.log("ok dayjs", dayjs("2024-01-02").format("YYYY"));
