"""EinsumEquation: an ``EinsumDense`` equation, read once, and the shapes it gives.

An equation ``input,kernel->output`` names every axis with a letter. The forms are Keras's:
``ab,bc->ac`` (every axis named, the first one the batch), ``...b,bc->...c`` (leading axes, the
batch among them, left to the ellipsis) and ``ab...,bc->ac...`` (trailing axes left to it). The
shapes follow Keras's derivation: the output shape is the batch size, then ``output_shape`` (the
axes the equation names past the batch), with the ellipsis's axes copied from the input; each
kernel axis takes its size from the output axis or else the input axis of its letter; the bias
spans the output from the first of ``bias_axes`` to the end, with size 1 on the other axes.
"""

import re

_FORMS = {  # ellipsis place -> the equation's pattern
    None: r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)",
    "left": r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)",
    "right": r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.",
}


class EinsumEquation:
    """A parsed equation: its three letter strings (``input``, ``kernel``, ``output``, without
    the ellipsis), where its ellipsis is (None, ``"left"`` or ``"right"``) and ``bias_axes``.

    ``owner`` (``"EinsumDense 'name'"``) starts every error message.
    """

    def __init__(self, equation, bias_axes, owner):
        self.owner = owner
        if not isinstance(equation, str):
            raise TypeError(f"{owner}: `equation` must be a string, received {equation!r}.")
        match = next(((place, m) for place, pattern in _FORMS.items()
                      if (m := re.fullmatch(pattern, equation))), None)
        if match is None:
            raise ValueError(
                f"{owner}: invalid einsum `equation` {equation!r}. Equations must be in the form "
                "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
            )
        self.ellipsis, (self.input, self.kernel, self.output) = match[0], match[1].groups()
        for term in (self.input, self.kernel, self.output):
            repeated = sorted({letter for letter in term if term.count(letter) > 1})
            if repeated:
                raise ValueError(f"{owner}: `equation` {equation!r} repeats {repeated} within "
                                 f"'{term}'; each letter may name one axis of each operand.")
        for letter in self.output:
            if letter not in self.input and letter not in self.kernel:
                raise ValueError(
                    f"{owner}: dimension '{letter}' was specified in the output '{self.output}' of "
                    f"`equation` {equation!r} but has no corresponding dim in the input spec "
                    f"'{self.input}' or weight spec '{self.kernel}'."
                )
        for letter in self.kernel:
            if letter not in self.input and letter not in self.output:
                raise ValueError(
                    f"{owner}: weight dimension '{letter}' of `equation` {equation!r} did not "
                    f"have a match in either the input spec '{self.input}' or the output spec "
                    f"'{self.output}'. For this layer, the weight must be fully specified."
                )
        self.bias_axes = self._checked_bias_axes(bias_axes)

    def _checked_bias_axes(self, bias_axes):
        if bias_axes is None:
            return None
        if not isinstance(bias_axes, str) or not bias_axes:
            raise ValueError(f"{self.owner}: `bias_axes` must be None or a non-empty string of "
                             f"output letters, received {bias_axes!r}.")
        for letter in bias_axes:
            if letter not in self.output:
                raise ValueError(f"{self.owner}: bias dimension '{letter}' was requested in "
                                 f"`bias_axes`, but is not part of the output spec "
                                 f"'{self.output}'.")
        return bias_axes

    @property
    def named_output_axes(self):
        """How many sizes ``output_shape`` gives: the output's letters, past the batch's when
        a letter names the batch."""
        return len(self.output) - (self.ellipsis != "left")

    def shapes(self, input_shape, partial_output_shape):
        """``(kernel_shape, bias_shape, output_shape, kernel_input_axes, kernel_output_axes)``
        for an input of ``input_shape`` (batch included) and ``partial_output_shape`` (one size,
        or None, per ``named_output_axes``); the bias shape is None without ``bias_axes``. A
        ValueError names what does not fit."""
        input_shape = tuple(input_shape)
        elided = self._elided_axes(input_shape)
        if self.ellipsis == "left":
            output_shape = input_shape[:elided] + tuple(partial_output_shape)
            input_sizes = dict(zip(self.input, input_shape[elided:]))
            output_sizes = dict(zip(self.output, output_shape[elided:]))
        else:
            output_shape = ((input_shape[0],) + tuple(partial_output_shape)
                            + input_shape[len(input_shape) - elided:])
            input_sizes = dict(zip(self.input, input_shape))
            output_sizes = dict(zip(self.output, output_shape))
        for letter, size in input_sizes.items():
            wanted = output_sizes.get(letter)
            if wanted is not None and wanted != size:
                raise ValueError(
                    f"{self.owner}: input shape and output shape do not match at shared "
                    f"dimension '{letter}'. Input shape is {size}, and output shape is {wanted} "
                    f"(input of shape {input_shape}, `output_shape` {partial_output_shape})."
                )
        kernel_shape, input_axes, output_axes = [], [], []
        for axis, letter in enumerate(self.kernel):
            in_output = letter in output_sizes
            (output_axes if in_output else input_axes).append(axis)
            size = output_sizes[letter] if in_output else input_sizes[letter]
            if size is None:
                where = ("`output_shape`" if in_output
                         else f"the input (of shape {input_shape})")
                raise ValueError(f"{self.owner}: the kernel's axis '{letter}' needs a known size, "
                                 f"but {where} leaves it as None.")
            kernel_shape.append(size)
        return (tuple(kernel_shape), self._bias_shape(output_sizes, elided), output_shape,
                input_axes, output_axes)

    def _elided_axes(self, input_shape):
        """How many input axes the ellipsis stands for; a ValueError for an input whose rank
        does not fit the equation."""
        named = len(self.input)
        if self.ellipsis is None and len(input_shape) != named:
            expected = f"rank {named}"
        elif self.ellipsis == "left" and len(input_shape) <= named:
            expected = f"a rank above {named} (the ellipsis holds the batch axis)"
        elif self.ellipsis == "right" and len(input_shape) < named:
            expected = f"rank {named} or more"
        else:
            return len(input_shape) - named
        raise ValueError(f"{self.owner}: the input spec '{self.input}' needs inputs of "
                         f"{expected}, received shape {input_shape}.")

    def _bias_shape(self, output_sizes, elided):
        if self.bias_axes is None:
            return None
        first = min(self.output.index(letter) for letter in self.bias_axes)
        shape = tuple(output_sizes[letter] if letter in self.bias_axes else 1
                      for letter in self.output[first:])
        if self.ellipsis == "right":
            shape += (1,) * elided
        if None in shape:
            raise ValueError(f"{self.owner}: the bias over `bias_axes` '{self.bias_axes}' needs "
                             f"known sizes, but its shape would be {shape}: give them in "
                             "`output_shape`.")
        return shape

    def concrete(self, ndim):
        """The equation for an input of ``ndim`` axes, the ellipsis spelled out as letters the
        equation does not use, as ``(input, kernel, output)`` subscripts."""
        elided = ndim - len(self.input)
        used = set(self.input + self.kernel + self.output)
        spare = "".join(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        if c not in used)[:elided]
        if self.ellipsis == "left":
            return spare + self.input, self.kernel, spare + self.output
        if self.ellipsis == "right":
            return self.input + spare, self.kernel, self.output + spare
        return self.input, self.kernel, self.output
