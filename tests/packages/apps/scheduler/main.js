// expect: ok scheduler ran
import { unstable_NormalPriority, unstable_scheduleCallback } from "scheduler";

unstable_scheduleCallback(unstable_NormalPriority, () => console.log("ok scheduler ran"));
