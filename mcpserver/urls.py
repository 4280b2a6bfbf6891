from django.urls import path

from mcpserver.api import McpApi

# `/mcp` and `/mcp/` alike: config.middleware.ApiPathMiddleware adds the slash (no redirect).
urlpatterns = [path("mcp/", McpApi.as_view(), name="mcp")]
