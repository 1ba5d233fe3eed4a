# Backprop Lab in a container: the same steps as `make run` (Python packages, the front-end libraries
# from the npm registry, Debian's Graphviz), with everything installed when the image is built.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends make graphviz nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/backprop-lab
COPY . .
RUN make install vendor

ENV BACKPROP_HOST=0.0.0.0 BACKPROP_PORT=8000
EXPOSE 8000
CMD ["make", "run", "HOST=0.0.0.0", "PORT=8000"]
