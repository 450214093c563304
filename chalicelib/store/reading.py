"""Items read from DynamoDB made into models in one pass. pynamodb's own way (Model.
from_raw_data) runs the constructor, which sets every default, then sets the defaults again and
every value through its descriptor: about half of the CPU a list spends on the index entries it
reads. Here the instance gets its values dictionary directly, with the same result
(tests/unit/test_reading.py compares the two on every kind of item the API writes)."""
import json

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.constants import NULL


def _number(text: str):
    """What NumberAttribute makes of a number (json.loads), quicker for integers."""
    return int(text) if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()) else json.loads(text)


def _reader(attribute):
    """The attribute's value from its wire form: strings, numbers, booleans and lists of strings
    or numbers read here (most of what items hold), anything else as the attribute reads it."""
    def theirs(raw):
        return attribute.deserialize(attribute.get_value(raw))
    kind = type(attribute)
    if kind is UnicodeAttribute:
        return lambda raw: raw["S"] if "S" in raw else theirs(raw)
    if kind is NumberAttribute:
        return lambda raw: _number(raw["N"]) if "N" in raw else theirs(raw)
    if kind is BooleanAttribute:
        return lambda raw: raw["BOOL"] if "BOOL" in raw else theirs(raw)
    if kind is ListAttribute and attribute.element_type in (UnicodeAttribute, NumberAttribute):
        strings = attribute.element_type is UnicodeAttribute
        tag = "S" if strings else "N"

        def read_list(raw):
            values = raw.get("L")
            if values is None or not all(len(v) == 1 and tag in v for v in values):
                return theirs(raw)
            return [v["S"] for v in values] if strings else [_number(v["N"]) for v in values]
        return read_list
    return theirs


def _plan(model) -> list:
    """(python name, wire name, reader, default) of each attribute of a model class, kept on the class."""
    plan = model.__dict__.get("_reading_plan")
    if plan is None:
        plan = [(name, attribute.attr_name, _reader(attribute), attribute.default)
                for name, attribute in model.get_attributes().items()]
        model._reading_plan = plan
    return plan


def instantiate(model, data: dict):
    """What model.from_raw_data(data) returns: an instance of the class the item's
    discriminator names (a subclass of `model`), its attributes read from `data`."""
    if data is None:
        raise ValueError("Received no data to construct object")
    stored = model._get_discriminator_class(data) or model
    if not issubclass(stored, model):
        raise ValueError(f"Cannot instantiate a {model.__name__} from the returned class: {stored.__name__}")
    values = {}
    for name, wire_name, read, default in _plan(stored):
        raw = data.get(wire_name)
        if raw and NULL not in raw:
            values[name] = read(raw)
        elif default is not None:
            values[name] = default() if callable(default) else default
    instance = stored.__new__(stored)
    instance.attribute_values = values
    discriminator = stored._get_discriminator_attribute()
    if discriminator is not None and discriminator.get_discriminator(stored) is not None:
        values[stored._discriminator] = stored
    return instance
