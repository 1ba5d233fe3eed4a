// Starts the OpenAPI viewer on /openapi.json (kept out of the page: no inline scripts).
window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
