"""What classes are called: their numbers, or the short names a data set gives them."""

#: A class name longer than this is not a name (the views have room for about this much).
MAX_NAME_CHARS = 40


def numbered_classes(n_classes):
    """The names of classes nobody named: their labels, "0" to "K-1"."""
    return tuple(str(k) for k in range(n_classes))


def is_class_name(name):
    """Whether ``name`` can name a class: 1 to :data:`MAX_NAME_CHARS` printable characters."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_CHARS and name.isprintable()


def names_or_numbers(names, n_classes):
    """``names`` when they name ``n_classes`` classes, else the classes' numbers."""
    names = tuple(names or ())
    return names if len(names) == n_classes else numbered_classes(n_classes)


def captions(names):
    """What to write under each class's picture: "class 3" for a number, else the name."""
    return [f"class {name}" if name.isdigit() else name for name in names]
