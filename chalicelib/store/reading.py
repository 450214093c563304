"""Items read from DynamoDB made into models in one pass. pynamodb's own way (Model.
from_raw_data) runs the constructor, which sets every default, then sets the defaults again and
every value through its descriptor: about half of the CPU a list spends on the index entries it
reads. Here the instance gets its values dictionary directly, with the same result
(tests/api/test_reading.py compares the two on every kind of item the API writes).

Lists go further: the index entries they read by the thousand become light rows (Row), the
same values on plain slots, which reading an attribute of costs a twentieth of a model's."""
import json

from pynamodb.attributes import (BooleanAttribute, DiscriminatorAttribute, ListAttribute, NumberAttribute,
                                 UnicodeAttribute)
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


# ---------------------------------------------------------------- light rows

class Row:
    """A stored item as lists read it: the model's attribute names on plain slots, without
    pynamodb's descriptors (a descriptor read costs about twenty slot reads, and a list reads
    a dozen attributes of each of thousands of entries). Rows are read-only by convention and
    are never written back: writes build their models."""
    __slots__ = ()
    model = None

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"


# What each kind of attribute reads in its usual wire form, as an expression of `raw`; any other
# form (a NULL, a float, a list of mixed values) is read the attribute's own way.
# Integers, most numbers stored, are read without a call.
_USUAL = {UnicodeAttribute: ("S", "raw['S']"), BooleanAttribute: ("BOOL", "raw['BOOL']"),
          NumberAttribute: ("N", "int(n) if (n := raw['N']).isdigit() else number(n)")}
_USUAL_LISTS = {UnicodeAttribute: "[v['S'] for v in raw['L']]",
                NumberAttribute: "[int(n) if (n := v['N']).isdigit() else number(n) for v in raw['L']]"}


def _row_maker(model):
    """(the Row class of a model, the function making one from an item's wire form). The
    function is written out once per model, one statement per attribute, because the loop
    over attributes that `instantiate` runs costs more than the values it reads."""
    attributes = model.get_attributes()
    row_class = type(f"{model.__name__}Row", (Row,), {"__slots__": tuple(attributes), "model": model})
    names = {"new": object.__new__, "Row": row_class, "number": _number}
    lines = ["def make(data):", "    row = new(Row)"]
    for index, (name, wire_name, read, default) in enumerate(_plan(model)):
        attribute = attributes[name]
        kind = type(attribute)
        if kind is DiscriminatorAttribute:
            # Rows come from reads that ask for this model's kind only: its class, as on a model.
            lines.append(f"    row.{name} = Row.model")
            continue
        names[f"other{index}"] = _otherwise(read, default)
        lines.append(f"    raw = data.get({wire_name!r})")
        if kind in _USUAL:
            tag, expression = _USUAL[kind]
            lines.append(f"    row.{name} = ({expression}) if raw is not None and {tag!r} in raw else other{index}(raw)")
        elif kind is ListAttribute and attribute.element_type in _USUAL_LISTS:
            # A NULL, a missing list or an element of another kind (KeyError, TypeError) sends
            # the whole list the attribute's own way.
            lines += ["    try:", f"        row.{name} = {_USUAL_LISTS[attribute.element_type]}",
                      "    except (KeyError, TypeError):", f"        row.{name} = other{index}(raw)"]
        else:
            lines.append(f"    row.{name} = other{index}(raw)")
    lines.append("    return row")
    exec(compile("\n".join(lines), f"<rows of {model.__name__}>", "exec"), names)
    return row_class, names["make"]


def _otherwise(read, default):
    """How an attribute is read when its value is not in the usual form: missing or NULL gives
    its default, anything else the attribute's own reading."""
    def other(raw):
        if raw and NULL not in raw:
            return read(raw)
        if default is None:
            return None
        return default() if callable(default) else default
    return other


def rows(model):
    """The function making a light Row of `model` from an item's wire form (kept on the class)."""
    made = model.__dict__.get("_row_maker")
    if made is None:
        made = _row_maker(model)
        model._row_maker = made
    return made[1]
