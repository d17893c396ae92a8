package dev.mdeq.trainer.optim;

import ai.djl.ndarray.NDArray;

/**
 * {@code torch.optim.SGD} with dampening 0: {@code g += wd * p}; with momentum
 * {@code buf = m * buf + g} (the first step sets {@code buf = g}); Nesterov uses {@code g + m * buf},
 * plain momentum {@code buf}; then {@code p -= lr * g}. Buffer {@code momentum_buffer} per parameter.
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;

    public Sgd(double momentum, double weightDecay, boolean nesterov) {
        if (nesterov && momentum <= 0) {
            throw new IllegalArgumentException("Nesterov momentum requires a positive momentum (TRAIN.MOMENTUM), got "
                    + momentum);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected void update(String name, NDArray parameter, NDArray gradient, double lr, long step) {
        NDArray g = weightDecay != 0 ? gradient.add(parameter.mul(weightDecay)) : gradient;
        if (momentum != 0) {
            boolean[] created = new boolean[1];
            NDArray buffer = buffer(name, "momentum_buffer", parameter, created);
            if (created[0]) {
                buffer.addi(g);
            } else {
                buffer.muli(momentum).addi(g);
            }
            g = nesterov ? g.add(buffer.mul(momentum)) : buffer;
        }
        parameter.subi(g.mul(lr));
    }
}
