# Backprop Lab in a container: the same steps as `make run`, with Debian's Graphviz baked in.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends make graphviz nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/backprop-lab
COPY . .
RUN make install

EXPOSE 8000
CMD ["make", "run", "HOST=0.0.0.0", "PORT=8000"]
