"""readaloud's text pipeline: article HTML -> sentences to speak (pure Python, no Django).

Entry point: :func:`prepare_article`; the render cache key of a sentence: :func:`sentence_key`.
Modules: :mod:`.extract` (HTML -> blocks), :mod:`.sentences` (blocks -> sentences), :mod:`.normalize` (spoken
form), :mod:`.pronunciation` (pinyin annotations, site lexicon), :mod:`.numbers` (numbers as words).
"""

from .extract import Block, extract_blocks
from .normalize import detect_language, normalize
from .pipeline import PreparedArticle, PreparedSentence, TextWarning, prepare_article, sentence_key
from .pronunciation import Annotation, Lexicon, PinyinError, parse_pinyin
from .sentences import Sentence, split_sentences, split_text

__all__ = [
    "Annotation",
    "Block",
    "Lexicon",
    "PinyinError",
    "PreparedArticle",
    "PreparedSentence",
    "Sentence",
    "TextWarning",
    "detect_language",
    "extract_blocks",
    "normalize",
    "parse_pinyin",
    "prepare_article",
    "sentence_key",
    "split_sentences",
    "split_text",
]
