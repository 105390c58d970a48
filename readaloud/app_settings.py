"""The readaloud app's settings: one dict named READALOUD in the Django settings, read lazily."""

from voices.app_settings import AppSettings

DEFAULTS = {
    # Dotted path of the host's adapter (see readaloud.adapter.ArticleAdapter).
    "ARTICLE_ADAPTER": None,
    # Dotted path of the host's django.dispatch.Signal, sent with `article_id` when an article is published or a
    # published article is edited.
    "PUBLISH_SIGNAL": None,
    # Queue of the Tasks backend that renders articles.
    # Retries of a failed rendering, with exponential back-off (base * 2**(attempt-1) seconds).
    "RENDER_MAX_ATTEMPTS": 4,
    "RENDER_RETRY_BASE_SECONDS": 30,
    # A rendering whose worker has shown no sign of life for this long is taken over by another worker.
    "RENDER_STALE_SECONDS": 120,
    # Sentences synthesized at once by one rendering (threads; the engine releases the GIL). The Kokoro engine gives
    # inferences running side by side their share of its threads (voices/engines/kokoro.py): on 2 cores, 2 sentences
    # at once render 1.11x as fast as 1 at a time on 2 threads (bench/render.py, same run); on a larger machine raise
    # it together with the engine's intra_op_num_threads.
    "RENDER_THREADS": 2,
    # Start every rendition with a short spoken notice that the audio is AI-generated.
    "AUDIBLE_LABEL": True,
    # WebSocket streaming: sentences sent ahead of the listener, and limits on what a client may send.
    "STREAM_WINDOW": 4,
    # A listener's permission and ready rendition are reused this long for the same person (0: never).
    "STREAM_START_CACHE_SECONDS": 2,
    "STREAM_MAX_MESSAGE_BYTES": 4096,
    "STREAM_MAX_MESSAGES_PER_SECOND": 30,
}

app_settings = AppSettings("READALOUD", DEFAULTS)
