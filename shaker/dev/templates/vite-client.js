// <base>@vite/client, the URL backend integrations (django-vite, Laravel's, Rails') put in
// their pages: shaker's client itself, re-exported, so a page that also imports
// <base>@shaker/client runs one client, one socket, one module registry.
export * from __SHAKER_CLIENT__;
