// main.js or any client file
console.log('🚀 Application starting...');

if (import.meta.hot) {
  console.log('🔥 HMR is available');
  
  // Listen for server ready
  import.meta.hot.on('server-ready', (data) => {
    console.log('✅ Server ready:', data.message);
    console.log('⏰ Server timestamp:', new Date(data.timestamp));
    
    // Send initial ping
    import.meta.hot.send('client-ping', {
      message: 'Hello from client!',
      clientTime: Date.now()
    });
  });
  
  // Handle server responses
  import.meta.hot.on('server-pong', (data) => {
    console.log('🏓 Received pong:', data.response);
    console.log('📡 Echo:', data.echo);
    console.log('🕐 Server time:', new Date(data.serverTime));
  });
  
  // Send custom data after 2 seconds
  setTimeout(() => {
    import.meta.hot.send('custom-data', {
      value: 'custom payload',
      type: 'test-data'
    });
  }, 2000);
  
  // Handle processed data
  import.meta.hot.on('data-processed', (data) => {
    console.log('⚡ Data processed:', data.result);
  });
} else {
  console.log('📦 Production build - no HMR');
}

// Regular application code
document.getElementById('app').innerHTML = `
  <h1>Vite WebSocket Communication</h1>
  <p>Check the console for WebSocket messages!</p>
`;
