// expect: ok chart.js function 4.6.1
import Chart from "chart.js/auto";

console.log("ok chart.js", typeof Chart, Chart.version);
