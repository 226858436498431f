"""The DCGAN-32 of saddle's `neural::nets::dcgan` in PyTorch, with saddle's parameter names:
shared by the fixture writer (`make_fixtures.py`) and the step benchmark (`bench_dcgan.py`)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Generator(nn.Module):
    """DCGAN-32 generator, named as saddle names it."""

    def __init__(self, nf, latent, channels=3):
        super().__init__()
        self.nf = nf
        self.fc = nn.Linear(latent, 4 * 4 * 4 * nf)
        self.bn0 = nn.BatchNorm1d(4 * 4 * 4 * nf)
        self.deconv1 = nn.ConvTranspose2d(4 * nf, 2 * nf, 4, 2, 1)
        self.bn1 = nn.BatchNorm2d(2 * nf)
        self.deconv2 = nn.ConvTranspose2d(2 * nf, nf, 4, 2, 1)
        self.bn2 = nn.BatchNorm2d(nf)
        self.deconv3 = nn.ConvTranspose2d(nf, channels, 4, 2, 1)

    def forward(self, z):
        x = F.relu(self.bn0(self.fc(z))).view(-1, 4 * self.nf, 4, 4)
        x = F.relu(self.bn1(self.deconv1(x)))
        x = F.relu(self.bn2(self.deconv2(x)))
        return torch.tanh(self.deconv3(x))


class Discriminator(nn.Module):
    """DCGAN-32 discriminator with BatchNorm on blocks 2 and 3, LeakyReLU(0.01)."""

    def __init__(self, nf, channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, nf, 4, 2, 1)
        self.conv2 = nn.Conv2d(nf, 2 * nf, 4, 2, 1)
        self.bn2 = nn.BatchNorm2d(2 * nf)
        self.conv3 = nn.Conv2d(2 * nf, 4 * nf, 4, 2, 1)
        self.bn3 = nn.BatchNorm2d(4 * nf)
        self.fc = nn.Linear(4 * nf * 16, 1)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.01)
        x = F.leaky_relu(self.bn2(self.conv2(x)), 0.01)
        x = F.leaky_relu(self.bn3(self.conv3(x)), 0.01)
        return self.fc(x.reshape(x.shape[0], -1))
