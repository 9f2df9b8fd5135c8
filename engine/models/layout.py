"""The memory layout a convolution's input is handed over in."""
from __future__ import annotations

import torch


def conv_layout(x: torch.Tensor) -> torch.Tensor:
    """`x` channels-last (the layout CPU convolutions run about 2x faster in) and, where autocast
    is on, already in its dtype: the convolution would cast it anyway, and one copy that changes
    both layout and dtype costs about 40 % less than the two (608 px, 22 channels: 18 against
    27 ms a band, with the convolution). Values are those autocast would give."""
    kind = x.device.type
    if torch.is_autocast_enabled(kind):
        return x.to(torch.get_autocast_dtype(kind), memory_format=torch.channels_last)
    return x.contiguous(memory_format=torch.channels_last)
