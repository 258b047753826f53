# syntax=docker/dockerfile:1
# Build stage: compilers are only here, never in the image that runs.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY ingest ./ingest
COPY corpus ./corpus
COPY prompts ./prompts
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir .

# Run stage: the virtual environment, the shipped corpus as files for the ingest service, a non-root user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 dualuse && mkdir -p /data && chown dualuse /data
COPY --from=build /opt/venv /opt/venv
COPY corpus/documents /app/corpus/documents
ENV PATH="/opt/venv/bin:$PATH" \
    DUALUSE_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
USER dualuse
WORKDIR /app
VOLUME ["/data"]
ENTRYPOINT ["dualuse"]
CMD ["serve"]
