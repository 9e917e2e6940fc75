"""What the retriever calls on each kind of pluggable component.

The contracts of docs/plugins.md ("Component contracts") as
:class:`typing.Protocol` s. A component need not inherit them: the plugin
host checks each class a plugin registers against its kind's protocol
(:func:`check_component`), and code that needs an optional capability asks
for it with ``isinstance`` (``isinstance(head, PerPairLoss)``).

Only methods are checked at registration; data attributes (an embedding
head's ``attention``) may be set per instance, so the protocols state them
for readers and type checkers.
"""
import inspect
from typing import (TYPE_CHECKING, Callable, Dict, List, Mapping, Optional,
                    Protocol, Type, runtime_checkable)

from torch import Tensor, nn

if TYPE_CHECKING:  # amnsfw.models imports the registries, which import us
    from amnsfw.models.backbones.encoder_output import EncoderOutput

Features = Mapping[str, Tensor]


@runtime_checkable
class Masker(Protocol):
    """Chooses the image tokens the encoder's blocks see, in training.

    Called as ``masker(tokens, images, text_embeds)``: the embedded image
    tokens ``(B, 1 + N, width)`` (class token first, then the patches of
    the encoder's ``grid`` in row-major order, positions added), the
    batch's images and its captions' global features ``(B, D)``. Returns
    tokens of the same width, class token first (dropping patches shortens
    the sequence). Never called at evaluation.
    """

    def forward(self, tokens: Tensor, images: Tensor,
                text_embeds: Tensor) -> Tensor:
        ...


@runtime_checkable
class LossHead(Protocol):
    """Turns a batch's features into named loss terms.

    MMEngine sums every term whose name contains ``loss`` and logs the
    others. A head that scores each pair on its own sets the class
    attribute ``scores_single_pairs = True``.
    """

    def forward(self, features: Features) -> Dict[str, Tensor]:
        ...


@runtime_checkable
class PerPairLoss(LossHead, Protocol):
    """A loss head that can also score each pair of a batch on its own:
    the loss RDE's clean-label division and pair scoring rank pairs by."""

    def per_pair_loss(self, features: Features) -> Tensor:
        """The unweighted loss of each pair, ``(B,)``."""
        ...


@runtime_checkable
class EmbeddingHead(Protocol):
    """Computes one extra named embedding from the encoders' outputs.

    Attributes:
        attention (str, optional): Which pooled-token attention rows it
            reads: None, ``'last'`` or ``'all'`` (the encoders then return
            them in ``EncoderOutput.attention``).
    """

    attention: Optional[str]

    def embed_image(self, output: 'EncoderOutput') -> Tensor:
        """``(B, D')`` from the image encoder's output."""
        ...

    def embed_text(self, output: 'EncoderOutput',
                   text_mask: Tensor) -> Tensor:
        """``(B, D')`` from the text encoder's output and the captions'
        attention mask."""
        ...


#: The protocol each component kind must satisfy, by registry kind.
CONTRACTS: Dict[str, Type] = {
    'masker': Masker,
    'loss': LossHead,
    'embedding_head': EmbeddingHead,
}


class ContractError(TypeError):
    """A component lacks a method its kind's contract requires."""


def _protocol_methods(protocol: Type) -> Dict[str, Callable]:
    """The methods ``protocol`` (and the protocols it extends) declares."""
    methods: Dict[str, Callable] = {}
    for klass in reversed(protocol.__mro__):
        if klass is object or klass is Protocol or \
                not getattr(klass, '_is_protocol', False):
            continue
        methods.update({name: value for name, value in vars(klass).items()
                        if inspect.isfunction(value)
                        and not name.startswith('_')})
    return methods


def _is_placeholder(method: object) -> bool:
    """Whether ``method`` is ``nn.Module``'s unimplemented ``forward``."""
    return method is nn.Module.forward


def _call_mismatch(component: type, name: str,
                   expected: Callable) -> Optional[str]:
    """Why ``component.name`` cannot be called as ``expected`` is (on an
    instance, positionally), or None."""
    method = getattr(component, name)
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):  # a builtin: nothing to check
        return None
    arguments = list(inspect.signature(expected).parameters)[1:]
    bound = isinstance(inspect.getattr_static(component, name),
                       (staticmethod, classmethod))
    call = arguments if bound else [None, *arguments]
    try:
        signature.bind(*call)
    except TypeError as error:
        return f'takes {signature}, called with ({", ".join(arguments)}): ' \
            f'{error}'
    return None


def contract_violations(component: type, protocol: Type) -> List[str]:
    """What ``component`` lacks to satisfy ``protocol``: one line per
    missing method or per method that cannot be called as the protocol
    calls it (positionally, with its arguments)."""
    problems = []
    for name, expected in _protocol_methods(protocol).items():
        method = getattr(component, name, None)
        if method is None or not callable(method) or _is_placeholder(method):
            problems.append(f'no method {name}{inspect.signature(expected)}')
            continue
        mismatch = _call_mismatch(component, name, expected)
        if mismatch:
            problems.append(f'{name} {mismatch}')
    return problems


def check_component(kind: str, name: str, component: object) -> None:
    """Refuse a ``kind`` component that does not satisfy its contract.

    Kinds without a protocol in :data:`CONTRACTS` pass unchecked.

    Args:
        kind (str): Registry kind (``'masker'``, ``'loss'``, ...).
        name (str): The name it is registered under, for the message.
        component (object): The registered class.

    Raises:
        ContractError: Naming the component, its kind's protocol and each
            missing or mismatched method.
    """
    protocol = CONTRACTS.get(kind)
    if protocol is None:
        return
    problems = contract_violations(component, protocol)
    if problems:
        raise ContractError(
            f"{kind} '{name}' ({getattr(component, '__qualname__', component)}"
            f') does not satisfy the {protocol.__name__} contract of '
            f'amnsfw.plugin_api: {"; ".join(problems)}')
