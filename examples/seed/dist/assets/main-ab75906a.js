console.log("🚀 Application starting...");console.log("📦 Production build - no HMR");document.getElementById("app").innerHTML=`
  <h1>Vite WebSocket Communication</h1>
  <p>Check the console for WebSocket messages!</p>
`