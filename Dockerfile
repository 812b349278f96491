# Orderwell API and worker image: `docker compose up` runs both from it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install . && useradd --system --uid 10001 orderwell
USER orderwell

EXPOSE 8000
# The API; the worker service overrides the command.
CMD ["orderwell", "serve"]
