FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BALINT_VAR_DIR=/app/var
WORKDIR /app

# Pango, HarfBuzz's font subsetter and fonts for WeasyPrint (certificate PDFs). Without
# libharfbuzz-subset0 WeasyPrint subsets with fontTools: far slower, and not repeatable.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt build-constraints.txt ./
RUN pip install --no-cache-dir "setuptools<81" \
    && PIP_CONSTRAINT=build-constraints.txt pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings that import; the real SECRET_KEY comes at run time.
RUN SECRET_KEY=build-only-$(python -c "print('x'*60)") DEBUG=0 python manage.py collectstatic --no-input \
    && useradd --create-home balint && mkdir -p /app/var && chown -R balint /app/var
USER balint
EXPOSE 8000
