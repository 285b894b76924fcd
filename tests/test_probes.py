import pytest
import torch

from probing_rnns.models import Classifier, Encoder
from probing_rnns.probes import gradient_norms_by_position


def one_unit_rnn(w: float, a: float = 1e-4) -> Classifier:
    """Embedding (1-dim) → 1-unit tanh RNN with h_t = tanh(a·x_t + w·h_{t-1}) → linear head; no biases."""
    model = Classifier(Encoder(vocab_size=5, embed_dim=1, hidden_size=1, cell="rnn"))
    with torch.no_grad():
        model.encoder.embedding.weight.copy_(torch.tensor([[0.0], [1.0], [-1.0], [0.5], [2.0]]))
        rnn = model.encoder.rnn
        rnn.weight_ih_l0.fill_(a)
        rnn.weight_hh_l0.fill_(w)
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()
        model.head.weight.copy_(torch.tensor([[1.0], [-1.0]]))
    return model


@pytest.mark.parametrize("w", [0.5, -0.8, 1.5])
def test_one_unit_rnn_matches_the_chain_rule(w):
    """For u_t = a·x_t + w·h_{t-1} and h_t = tanh(u_t), the chain rule gives exactly

        ∂L/∂x_t = a · ∂L/∂u_t,    ∂L/∂u_t = (1 − h_t²) · w · ∂L/∂u_{t+1},

    so |g_t| / |g_{t+1}| = |w| (1 − h_t²): one factor of the recurrent weight and one tanh derivative per
    step back in time. With tiny inputs (a = 1e-4) tanh is nearly linear and the norm at distance d from
    the end is |g_{T-1}| · |w|^d, to within about 1%.
    """
    model = one_unit_rnn(w)
    ids = torch.tensor([[1, 2, 3, 4, 1, 1, 2, 3, 4, 2]])  # (1, T)
    norms = gradient_norms_by_position(model, ids, torch.tensor([1]))  # (T,)
    h = model.encoder(ids)[0][0, :, 0].detach().double()  # (T,)
    torch.testing.assert_close(norms[:-1] / norms[1:], abs(w) * (1 - h[:-1] ** 2), rtol=1e-4, atol=0)
    distance = torch.arange(len(norms) - 1, -1, -1, dtype=torch.float64)  # T-1-t
    torch.testing.assert_close(norms, norms[-1] * abs(w) ** distance, rtol=1e-2, atol=0)


def test_per_review_gradients_are_averaged_not_divided_by_the_batch_size():
    torch.manual_seed(0)
    model = Classifier(Encoder(20, 8, 6, cell="gru"))
    ids, labels = torch.randint(1, 20, (3, 7)), torch.tensor([0, 1, 1])
    together = gradient_norms_by_position(model, ids, labels)
    alone = torch.stack([gradient_norms_by_position(model, ids[i : i + 1], labels[i : i + 1]) for i in range(3)])
    torch.testing.assert_close(together, alone.mean(0))


@pytest.mark.parametrize("impl", ["torch", "ours"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_shape_sign_and_no_side_effects(cell, impl):
    torch.manual_seed(0)
    model = Classifier(Encoder(20, 8, 6, cell=cell, impl=impl), dropout=0.5).train()
    ids, labels = torch.randint(1, 20, (4, 9)), torch.tensor([0, 1, 0, 1])
    norms = gradient_norms_by_position(model, ids, labels)
    assert norms.shape == (9,)
    assert (norms >= 0).all() and norms[-1] > 0
    torch.testing.assert_close(norms, gradient_norms_by_position(model, ids, labels))  # dropout is off
    assert model.training, "the model's mode is restored"
    assert all(p.grad is None for p in model.parameters()), "parameters' gradients are not touched"


def test_untrained_rnn_with_small_recurrent_weights_forgets_the_past():
    torch.manual_seed(0)
    model = Classifier(Encoder(50, 16, 32, cell="rnn"))
    with torch.no_grad():
        model.encoder.rnn.weight_hh_l0.mul_(0.2)  # spectral norm well below 1
    ids = torch.randint(1, 50, (8, 15))
    norms = gradient_norms_by_position(model, ids, torch.randint(0, 2, (8,)))
    assert norms[-1] > 0
    assert (norms[:-1] < norms[1:]).all(), "the further from the end, the smaller the gradient"
    assert norms[-11] < 1e-4 * norms[-1]  # distance 10
