# Container image for HTTP mode. Build: docker build -t ms365mcp .
# Run:   docker run -p 3000:3000 -e MS365_MCP_CLIENT_ID=... -e MS365_MCP_TENANT_ID=... \
#          -e MS365_MCP_CLIENT_SECRET=... -e MS365_MCP_STATE_KEY=... ms365mcp --http 3000 --org-mode
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv && useradd --create-home --uid 10001 mcp
WORKDIR /app
COPY --chown=mcp:mcp . .
USER mcp
# Every workload plugin and Key Vault support; no development tools.
RUN uv sync --locked --no-dev --extra all --extra keyvault
ENV PATH=/app/.venv/bin:$PATH HOME=/home/mcp
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz')"
ENTRYPOINT ["ms365mcp"]
CMD ["--http", "3000"]
