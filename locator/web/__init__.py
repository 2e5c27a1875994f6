"""HTTP: the app, error mapping, middleware, shared dependencies, and the api/ogc/pages routers."""
