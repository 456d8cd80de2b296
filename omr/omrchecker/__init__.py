"""Read OMRChecker sheets (template.json, config.json, evaluation.json) with our engine.

`load_template` parses a template (field blocks, bubble geometry, custom labels, output
columns); `SheetReader` runs its pre-processors (CropPage, CropOnMarkers,
FeatureBasedAlignment, GaussianBlur, MedianBlur, Levels), warps the sheet to the page
size, snaps each block onto its printed bubbles, and reads every field with
`omr.bubble_fill` and `omr.mark_decision`, encoding values as OMRChecker does.
"""

from omr.omrchecker.config import (
    Evaluation,
    OmrCheckerConfig,
    config_from_object,
    load_config,
    load_evaluation,
)
from omr.omrchecker.preprocess import SheetNotFoundError, build_pre_processors, warp_to_page
from omr.omrchecker.reader import SheetReader, SheetResult, UnreadableImageError, read_page
from omr.omrchecker.template import (
    Bubble,
    Field,
    FieldBlock,
    OmrTemplate,
    TemplateError,
    load_template,
    parse_field_labels,
    parse_template,
)

__all__ = [
    "Bubble", "Evaluation", "Field", "FieldBlock", "OmrCheckerConfig", "OmrTemplate",
    "SheetNotFoundError", "SheetReader", "SheetResult", "TemplateError",
    "UnreadableImageError", "build_pre_processors", "config_from_object", "load_config",
    "load_evaluation", "load_template", "parse_field_labels", "parse_template", "read_page",
    "warp_to_page",
]
