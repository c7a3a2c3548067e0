-- A little of what the LLM Analytics Hub stores, loaded into the local
-- PostgreSQL's llm_analytics database by cluster/localcluster.py.
CREATE TABLE llm_requests (
    id          bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL,
    model       text        NOT NULL,
    provider    text        NOT NULL,
    prompt_tokens     integer NOT NULL,
    completion_tokens integer NOT NULL,
    latency_ms  integer     NOT NULL,
    cost_usd    numeric(10, 6) NOT NULL
);

CREATE TABLE metrics_hourly (
    bucket      timestamptz NOT NULL,
    model       text        NOT NULL,
    requests    integer     NOT NULL,
    p95_latency_ms integer  NOT NULL,
    PRIMARY KEY (bucket, model)
);

CREATE TABLE anomalies (
    id          bigserial PRIMARY KEY,
    detected_at timestamptz NOT NULL,
    model       text        NOT NULL,
    kind        text        NOT NULL,
    score       real        NOT NULL
);

INSERT INTO llm_requests (created_at, model, provider, prompt_tokens, completion_tokens, latency_ms, cost_usd)
SELECT timestamptz '2026-11-01 00:00:00+00' + (i * interval '7 minutes'),
       (ARRAY['gpt-4o', 'claude-sonnet-4', 'llama-3.1-70b'])[1 + i % 3],
       (ARRAY['openai', 'anthropic', 'self-hosted'])[1 + i % 3],
       200 + (i * 37) % 1800,
       50 + (i * 11) % 600,
       300 + (i * 53) % 2500,
       round(((200 + (i * 37) % 1800) * 0.000003 + (50 + (i * 11) % 600) * 0.000015)::numeric, 6)
FROM generate_series(1, 1000) AS i;

INSERT INTO metrics_hourly (bucket, model, requests, p95_latency_ms)
SELECT date_trunc('hour', created_at), model, count(*), percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms)
FROM llm_requests GROUP BY 1, 2;

INSERT INTO anomalies (detected_at, model, kind, score) VALUES
    ('2026-11-02 03:14:00+00', 'gpt-4o', 'latency_spike', 0.93),
    ('2026-11-03 17:40:00+00', 'claude-sonnet-4', 'cost_jump', 0.71),
    ('2026-11-04 09:05:00+00', 'llama-3.1-70b', 'error_rate', 0.88);
