# Backprop Lab in a container, in two stages.
# 1. node: the front-end libraries from the npm registry (package.json + lockfile), vendored as `make vendor` does.
# 2. python: the locked Python packages first (a cached layer), then the source; served as a non-root user,
#    with the link database in the volume /srv/backprop-lab/data.

FROM node:20-bookworm-slim AS vendor
WORKDIR /build
COPY package.json package-lock.json Makefile ./
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/* \
    && mkdir static && make vendor

FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz util-linux \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 lab
WORKDIR /srv/backprop-lab
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml ./
COPY app app
COPY engine engine
COPY templates templates
COPY static static
COPY --from=vendor /build/static/vendor static/vendor
RUN mkdir data && chown lab:lab data  # the app runs from this folder: app/, engine/, templates/, static/

USER lab
VOLUME ["/srv/backprop-lab/data"]
ENV BACKPROP_HOST=0.0.0.0 BACKPROP_PORT=8000 BACKPROP_DB=/srv/backprop-lab/data/links.sqlite3
EXPOSE 8000
CMD ["python", "-m", "app"]
