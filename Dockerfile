# The locator app for deployment. It installs the package as `make` does (an editable pip
# install from pyproject.toml, so `data/` and `static/` stay beside the package); the database
# is a separate PostGIS server (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    LOCATOR_HOST=0.0.0.0 LOCATOR_PORT=8000 LOCATOR_PHOTO_DIR=/var/lib/locator/photos

WORKDIR /app
COPY pyproject.toml README.md ./
COPY locator ./locator
RUN pip install --quiet -e . && useradd --system --uid 10001 locator \
    && mkdir -p /var/lib/locator/photos && chown locator /var/lib/locator/photos
COPY data ./data
COPY static ./static

USER locator
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Migrate, load the embedded Coventry facilities and wards (unchanged files change nothing, and
# facilities editors changed are kept), serve. Photos live in the volume at LOCATOR_PHOTO_DIR.
VOLUME /var/lib/locator/photos
CMD ["sh", "-c", "locator db upgrade && locator load data/coventry.geojson && locator areas import && exec locator serve"]
