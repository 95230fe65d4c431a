// expect: ok date-fns 2024-01-02
import { addDays, format } from "date-fns";

console.log("ok date-fns", format(addDays(new Date(2024, 0, 1), 1), "yyyy-MM-dd"));
