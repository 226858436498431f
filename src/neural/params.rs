//! The parameter store of a neural player: one dfdx tensor per named parameter, on the run's
//! device, implementing the optimizer core's [`ParamVec`] with dfdx tensor ops — so the same
//! schemes, rules, projections and averages that train the toy games train the networks.
//!
//! Every update replaces tensors by new ones (dfdx ops are functional) instead of writing into
//! them: clones made by `assign` share storage safely, and nothing depends on the device.

use super::device::NeuralDevice;
use super::layout::Layout;
use super::ops::PAR_CHUNK;
use crate::constraint::Constraint;
use crate::vector::{adam_by_moves, AdamScalars, Moves, ParamVec};
use dfdx::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// A flat 1-D parameter tensor (networks view it in its real shape with a free reshape).
pub type Flat<D> = Tensor<(usize,), f32, D>;

/// A player's parameters (or a gradient, a moment, an average of them), laid out by `layout`.
#[derive(Clone)]
pub struct Params<D: NeuralDevice> {
    /// Names, shapes and inits of the tensors.
    pub layout: Arc<Layout>,
    /// One tensor per entry of the layout, in order.
    pub tensors: Vec<Flat<D>>,
}

// SAFETY: CPU tensors are `Send` anyway. dfdx's CUDA tensors hold a stream handle that is not
// `Send`; a run's parameters are created, stepped, checkpointed and dropped on the run's one
// thread (see `device`), so the handle is never used from two threads.
unsafe impl<D: NeuralDevice> Send for Params<D> {}

impl<D: NeuralDevice> std::fmt::Debug for Params<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Params({} tensors, {} scalars)",
            self.tensors.len(),
            self.layout.numel()
        )
    }
}

impl<D: NeuralDevice> Params<D> {
    /// Builds from host values, one vector per tensor of `layout`.
    pub fn from_host(dev: &D, layout: Arc<Layout>, values: Vec<Vec<f32>>) -> Self {
        assert_eq!(
            values.len(),
            layout.specs.len(),
            "one value vector per tensor"
        );
        let tensors = values
            .into_iter()
            .zip(&layout.specs)
            .map(|(v, s)| {
                assert_eq!(v.len(), s.numel(), "{}: wrong number of values", s.name);
                flat(dev, v)
            })
            .collect();
        Params { layout, tensors }
    }

    /// The values on the host, one vector per tensor.
    pub fn to_host(&self) -> Vec<Vec<f32>> {
        self.tensors.iter().map(|t| t.as_vec()).collect()
    }

    fn map_with(&mut self, other: &Self, f: impl Fn(Flat<D>, Flat<D>) -> Flat<D>) {
        for (t, o) in self.tensors.iter_mut().zip(&other.tensors) {
            *t = f(t.clone(), o.clone());
        }
    }

    /// Replaces every tensor t by `f(t, x)` entry by entry on the host, x the matching tensor
    /// of `x` (t itself when None): read where the values lie ([`host_values`]), written
    /// once into a fresh buffer, tensors and pieces of [`PAR_CHUNK`] entries in parallel.
    fn host_map(&mut self, x: Option<&Self>, f: impl Fn(f32, f32) -> f32 + Sync) {
        let n = self.tensors.len();
        let mut all: Vec<&Flat<D>> = self.tensors.iter().collect();
        all.extend(x.iter().flat_map(|x| &x.tensors));
        let values = host_values(&all);
        let (ts, xs) = values.split_at(n);
        let outs: Vec<Vec<f32>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let t = &ts[i][..];
                let x = xs.get(i).map_or(t, |x| &x[..]);
                assert_eq!(t.len(), x.len(), "host_map: tensor sizes differ");
                let mut out = Vec::with_capacity(t.len());
                out.spare_capacity_mut()[..t.len()]
                    .par_chunks_mut(PAR_CHUNK)
                    .zip(t.par_chunks(PAR_CHUNK))
                    .zip(x.par_chunks(PAR_CHUNK))
                    .for_each(|((o, t), x)| {
                        for ((o, t), x) in o.iter_mut().zip(t).zip(x) {
                            o.write(f(*t, *x));
                        }
                    });
                // SAFETY: the output's pieces pair with pieces of t of the same lengths, and
                // every entry of each was written above.
                unsafe { out.set_len(t.len()) };
                out
            })
            .collect();
        drop(values);
        for (t, h) in self.tensors.iter_mut().zip(outs) {
            *t = flat(t.device(), h);
        }
    }

    fn sum_over(&self, f: impl Fn(&Flat<D>) -> f32) -> f64 {
        self.tensors.iter().map(|t| f(t) as f64).sum()
    }
}

impl<D: NeuralDevice> Moves for Params<D> {
    fn zeros_like(&self) -> Self {
        let mut z = self.clone();
        z.set_zero();
        z
    }

    fn assign(&mut self, src: &Self) {
        self.tensors.clone_from(&src.tensors);
    }

    fn fill(&mut self, value: f64) {
        for t in &mut self.tensors {
            *t = t.device().ones_like(t) * value as f32;
        }
    }

    /// On the host: one parallel pass (dfdx's two ops run on one thread each); the same
    /// roundings, x·a then the sum.
    fn axpy(&mut self, a: f64, x: &Self) {
        if !D::HOST {
            return self.map_with(x, |t, x| t + x * a as f32);
        }
        let a = a as f32;
        self.host_map(Some(x), |t, x| t + x * a);
    }

    fn scale_add(&mut self, b: f64, a: f64, x: &Self) {
        self.map_with(x, |t, x| t * b as f32 + x * a as f32);
    }

    fn scale_add_square(&mut self, b: f64, a: f64, x: &Self) {
        self.map_with(x, |t, x| t * b as f32 + x.square() * a as f32);
    }

    fn adam_ratio(&mut self, c: f64, m: &Self, v: &Self, eps: f64) {
        for ((t, m), v) in self.tensors.iter_mut().zip(&m.tensors).zip(&v.tensors) {
            *t = (m.clone() * c as f32) / (v.clone().sqrt() + eps as f32);
        }
    }

    /// On the host, one pass per tensor instead of eleven dfdx ops (each of which copies a
    /// shared operand before it writes): the DCGAN step's Adam update of 6.3 M parameters took
    /// 6.8 ms that way. m, v and g are read where they lie and m', v' and d written once into
    /// fresh buffers. Every entry is rounded as the three moves round it.
    fn adam_step(&mut self, m: &mut Self, v: &mut Self, g: &Self, k: &AdamScalars) {
        if !D::HOST {
            return adam_by_moves(self, m, v, g, k);
        }
        let n = self.tensors.len();
        let all: Vec<&Flat<D>> = m
            .tensors
            .iter()
            .chain(&v.tensors)
            .chain(&g.tensors)
            .collect();
        let values = host_values(&all);
        let outs: Vec<[Vec<f32>; 3]> = (0..n)
            .into_par_iter()
            .map(|i| host_adam(&values[i], &values[n + i], &values[2 * n + i], k))
            .collect();
        drop(values);
        let tensors = self.tensors.iter_mut().zip(&mut m.tensors);
        for (((out, m), v), [mh, vh, dh]) in tensors.zip(&mut v.tensors).zip(outs) {
            let dev = out.device().clone();
            (*m, *v, *out) = (flat(&dev, mh), flat(&dev, vh), flat(&dev, dh));
        }
    }

    fn rms_ratio(&mut self, c: f64, m: &Self, v: &Self, eps: f64) {
        for ((t, m), v) in self.tensors.iter_mut().zip(&m.tensors).zip(&v.tensors) {
            *t = (m.clone() * c as f32) / (v.clone() + eps as f32).sqrt();
        }
    }

    fn assign_axpy(&mut self, base: &Self, a: f64, x: &Self) {
        for ((t, b), x) in self.tensors.iter_mut().zip(&base.tensors).zip(&x.tensors) {
            *t = b.clone() + x.clone() * a as f32;
        }
    }

    fn project(&mut self, c: &Constraint) {
        match *c {
            Constraint::Free => {}
            Constraint::Box { lo, hi } if D::HOST => {
                // dfdx's clamp, entry by entry (NaN passes through), in one parallel pass.
                let (lo, hi) = (lo as f32, hi as f32);
                self.host_map(None, |t, _| {
                    if t < lo {
                        lo
                    } else if t > hi {
                        hi
                    } else {
                        t
                    }
                });
            }
            Constraint::Box { lo, hi } => {
                for t in &mut self.tensors {
                    *t = t.clone().clamp(lo as f32, hi as f32);
                }
            }
            Constraint::Ball { radius } => {
                let n = self.norm_sq().sqrt();
                if n > radius {
                    let k = (radius / n) as f32;
                    for t in &mut self.tensors {
                        *t = t.clone() * k;
                    }
                }
            }
        }
    }

    fn dot(&self, other: &Self) -> Option<f64> {
        Some(
            self.tensors
                .iter()
                .zip(&other.tensors)
                .map(|(a, b)| (a.clone() * b.clone()).sum::<Rank0, _>().as_vec()[0] as f64)
                .sum(),
        )
    }

    fn parts(&self) -> usize {
        self.tensors.len()
    }
}

impl<D: NeuralDevice> ParamVec for Params<D> {
    fn len(&self) -> usize {
        self.layout.numel()
    }

    fn set_zero(&mut self) {
        for t in &mut self.tensors {
            *t = t.device().zeros_like(t);
        }
    }

    fn norm_sq(&self) -> f64 {
        self.sum_over(|t| t.clone().square().sum::<Rank0, _>().as_vec()[0])
    }

    fn dist_sq(&self, other: &Self) -> f64 {
        self.tensors
            .iter()
            .zip(&other.tensors)
            .map(|(a, b)| (a.clone() - b.clone()).square().sum::<Rank0, _>().as_vec()[0] as f64)
            .sum()
    }

    fn all_finite(&self) -> bool {
        // x·0 is 0 for finite x and NaN for NaN or ±∞, so the sum is finite iff every entry is.
        self.tensors
            .iter()
            .all(|t| (t.clone() * 0.0f32).sum::<Rank0, _>().as_vec()[0].is_finite())
    }

    fn to_f64(&self) -> Vec<f64> {
        self.tensors
            .iter()
            .flat_map(|t| t.as_vec())
            .map(f64::from)
            .collect()
    }

    fn assign_f64(&mut self, x: &[f64]) {
        assert_eq!(x.len(), self.len(), "one value per parameter");
        let mut at = 0;
        for t in &mut self.tensors {
            let n = t.shape().0;
            *t = flat(
                t.device(),
                x[at..at + n].iter().map(|v| *v as f32).collect(),
            );
            at += n;
        }
    }

    fn coordinate(&self, mut i: usize) -> Option<f64> {
        for t in &self.tensors {
            let n = t.shape().0;
            if i < n {
                let one: Tensor<(usize,), f32, D> = t.clone().slice((i..i + 1,));
                return one.as_vec().first().map(|v| f64::from(*v));
            }
            i -= n;
        }
        None
    }
}

/// The values of `ts` on the host: where they lie ([`NeuralDevice::host_slice`]), or copies
/// read in one parallel batch ([`NeuralDevice::read_tensors`]) where the device keeps them
/// elsewhere. An optimizer step reads every tensor of a player (three for Adam), and copying
/// them first was two more passes over each.
fn host_values<'a, D: NeuralDevice>(ts: &[&'a Flat<D>]) -> Vec<Cow<'a, [f32]>> {
    match ts
        .iter()
        .map(|t| D::host_slice(t))
        .collect::<Option<Vec<_>>>()
    {
        Some(views) => views.into_iter().map(Cow::Borrowed).collect(),
        None => D::read_tensors(ts).into_iter().map(Cow::Owned).collect(),
    }
}

/// Adam's update of one tensor's entries into fresh buffers [m', v', d], in f32 with the
/// operations of the dfdx ops it replaces, in their order: m' = m·b + g·a,
/// v' = v·β₂ + (g·g)·(1 − β₂), d = (m'·c)/(√v' + ε). Pieces of [`PAR_CHUNK`] entries run in
/// parallel.
fn host_adam(m: &[f32], v: &[f32], g: &[f32], k: &AdamScalars) -> [Vec<f32>; 3] {
    let (b, a, b2, a2) = (
        k.b as f32,
        k.a as f32,
        k.beta2 as f32,
        (1.0 - k.beta2) as f32,
    );
    let (c, eps) = (k.c as f32, k.eps as f32);
    let len = g.len();
    assert!(
        m.len() == len && v.len() == len,
        "host_adam: tensor sizes differ"
    );
    let mut outs: [Vec<f32>; 3] = std::array::from_fn(|_| Vec::with_capacity(len));
    let [mo, vo, d] = outs.each_mut().map(|o| &mut o.spare_capacity_mut()[..len]);
    mo.par_chunks_mut(PAR_CHUNK)
        .zip(vo.par_chunks_mut(PAR_CHUNK))
        .zip(d.par_chunks_mut(PAR_CHUNK))
        .zip(m.par_chunks(PAR_CHUNK))
        .zip(v.par_chunks(PAR_CHUNK))
        .zip(g.par_chunks(PAR_CHUNK))
        .for_each(|(((((mo, vo), d), m), v), g)| {
            let outs = mo.iter_mut().zip(vo.iter_mut()).zip(d.iter_mut());
            for (((mo, vo), d), ((m, v), g)) in outs.zip(m.iter().zip(v).zip(g)) {
                let mj = m * b + g * a;
                let vj = v * b2 + (g * g) * a2;
                mo.write(mj);
                vo.write(vj);
                d.write((mj * c) / (vj.sqrt() + eps));
            }
        });
    for o in &mut outs {
        // SAFETY: the outputs' pieces pair with pieces of m, v and g of the same lengths
        // (all len long), and every entry of each was written above.
        unsafe { o.set_len(len) };
    }
    outs
}

/// A flat tensor on `dev` whose buffer is `v` (the CPU keeps the Vec itself).
fn flat<D: NeuralDevice>(dev: &D, v: Vec<f32>) -> Flat<D> {
    let n = v.len();
    dev.tensor_from_vec(v, (n,))
}

/// What a checkpoint stores of a [`Params`]: the layout and the values.
#[derive(Serialize, Deserialize)]
struct Stored {
    layout: Layout,
    values: Vec<Vec<f32>>,
}

impl<D: NeuralDevice> Serialize for Params<D> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored {
            layout: (*self.layout).clone(),
            values: self.to_host(),
        }
        .serialize(s)
    }
}

impl<'de, D: NeuralDevice> Deserialize<'de> for Params<D> {
    fn deserialize<De: serde::Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        let st = Stored::deserialize(d)?;
        if st.values.len() != st.layout.specs.len()
            || st
                .values
                .iter()
                .zip(&st.layout.specs)
                .any(|(v, s)| v.len() != s.numel())
        {
            return Err(serde::de::Error::custom(
                "parameter values do not match their layout",
            ));
        }
        Ok(Params::from_host(
            &D::for_loading(),
            Arc::new(st.layout),
            st.values,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::layout::Init;

    fn sample(vals: [&[f32]; 2]) -> Params<Cpu> {
        let mut l = Layout::default();
        l.push("a", &[vals[0].len()], Init::Constant { value: 0.0 });
        l.push("b", &[vals[1].len()], Init::Constant { value: 0.0 });
        Params::from_host(
            &Cpu::shared(0),
            Arc::new(l),
            vals.iter().map(|v| v.to_vec()).collect(),
        )
    }

    /// Every operation agrees with the `Vec<f64>` reference implementation.
    #[test]
    fn tensor_store_matches_the_reference_vector() {
        let x = sample([&[1.0, -2.0, 3.0], &[0.5, 4.0]]);
        let y = sample([&[0.25, 1.5, -1.0], &[2.0, -3.0]]);
        let (rx, ry) = (x.to_f64(), y.to_f64());
        let close = |a: &Params<Cpu>, b: &Vec<f64>| {
            let a = a.to_f64();
            assert_eq!(a.len(), b.len());
            for (u, v) in a.iter().zip(b) {
                assert!((u - v).abs() <= 1e-6 * (1.0 + v.abs()), "{a:?} vs {b:?}");
            }
        };
        type Op<'a> = (
            &'a str,
            Box<dyn Fn(&mut Params<Cpu>)>,
            Box<dyn Fn(&mut Vec<f64>)>,
        );
        let (y1, ry1, y2, ry2) = (y.clone(), ry.clone(), y.clone(), ry.clone());
        let ops: Vec<Op> = vec![
            (
                "axpy",
                Box::new(move |p| p.axpy(0.5, &y1)),
                Box::new(move |r| r.axpy(0.5, &ry1)),
            ),
            (
                "scale_add",
                Box::new(move |p| p.scale_add(0.9, 0.1, &y2)),
                Box::new(move |r| r.scale_add(0.9, 0.1, &ry2)),
            ),
            (
                "project",
                Box::new(|p| p.project(&Constraint::Box { lo: -1.0, hi: 1.0 })),
                Box::new(|r| r.project(&Constraint::Box { lo: -1.0, hi: 1.0 })),
            ),
            (
                "ball",
                Box::new(|p| p.project(&Constraint::Ball { radius: 1.0 })),
                Box::new(|r| r.project(&Constraint::Ball { radius: 1.0 })),
            ),
        ];
        for (name, f, g) in ops {
            let mut p = x.clone();
            let mut r = rx.clone();
            f(&mut p);
            g(&mut r);
            close(&p, &r);
            let _ = name;
        }
        let mut s = x.clone();
        let mut rs = rx.clone();
        s.scale_add_square(0.9, 0.1, &y);
        rs.scale_add_square(0.9, 0.1, &ry);
        close(&s, &rs);
        let (mut v, mut rv) = (x.zeros_like(), rx.zeros_like());
        v.scale_add_square(0.0, 1.0, &y);
        rv.scale_add_square(0.0, 1.0, &ry);
        let mut a = x.zeros_like();
        let mut ra = rx.zeros_like();
        a.adam_ratio(0.3, &x, &v, 1e-8);
        ra.adam_ratio(0.3, &rx, &rv, 1e-8);
        close(&a, &ra);
        a.assign_axpy(&x, -2.0, &y);
        ra.assign_axpy(&rx, -2.0, &ry);
        close(&a, &ra);
        assert!((x.norm_sq() - rx.norm_sq()).abs() < 1e-5);
        assert!((x.dist_sq(&y) - rx.dist_sq(&ry)).abs() < 1e-5);
        assert_eq!(x.coordinate(4), Some(4.0));
        assert_eq!(x.coordinate(5), None);
        assert!(x.all_finite());
        let bad = sample([&[1.0, f32::NAN, 0.0], &[0.0, 0.0]]);
        assert!(!bad.all_finite());
        let inf = sample([&[1.0, 0.0, 0.0], &[f32::INFINITY, 0.0]]);
        assert!(!inf.all_finite());
        let bytes = postcard::to_allocvec(&x).unwrap();
        let back: Params<Cpu> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_f64(), rx);
        assert_eq!(back.layout, x.layout);
    }

    /// axpy and box projection on the host give the bits of the dfdx ops they replace, on a
    /// tensor longer than one parallel piece, and leave the tensors they read (here shared
    /// with the result's old value) as they were.
    #[test]
    fn host_maps_have_the_bits_of_the_dfdx_ops() {
        let mut rng = crate::rng::Rng::new(5);
        let mut l = Layout::default();
        for (name, n) in [("a", 2 * PAR_CHUNK + 3), ("b", 1)] {
            l.push(name, &[n], Init::Constant { value: 0.0 });
        }
        let l = Arc::new(l);
        let mut params = || {
            let values = l
                .specs
                .iter()
                .map(|s| {
                    (0..s.numel())
                        .map(|_| (rng.normal() * 2.0) as f32)
                        .collect()
                })
                .collect();
            Params::<Cpu>::from_host(&Cpu::shared(0), l.clone(), values)
        };
        let (x, y) = (params(), params());
        let bits = |p: &Params<Cpu>| -> Vec<u32> {
            p.to_host().concat().iter().map(|x| x.to_bits()).collect()
        };
        let (x0, y0) = (bits(&x), bits(&y));
        let mut p = x.clone();
        p.axpy(-0.3, &y);
        let mut q = x.clone();
        q.map_with(&y, |t, y| t + y * -0.3f32);
        assert_eq!(bits(&p), bits(&q), "axpy");
        assert_eq!(
            (bits(&x), bits(&y)),
            (x0, y0),
            "what axpy read is as it was"
        );
        let mut p = x.clone();
        p.project(&Constraint::Box { lo: -1.0, hi: 0.5 });
        let mut q = x.clone();
        for t in &mut q.tensors {
            *t = t.clone().clamp(-1.0, 0.5);
        }
        assert_eq!(bits(&p), bits(&q), "box");
    }

    /// The fused Adam move on the host gives the bits of the three dfdx moves it replaces,
    /// step after step, on tensors longer than one parallel piece and of odd lengths, with
    /// gradients from 1e-8 to 1e3 and both first-moment conventions.
    #[test]
    fn fused_adam_step_has_the_bits_of_the_three_moves() {
        let mut rng = crate::rng::Rng::new(17);
        let mut draw = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| (rng.normal() * 10f64.powf(rng.uniform() * 11.0 - 8.0)) as f32)
                .collect()
        };
        let mut l = Layout::default();
        for (name, n) in [("a", 3 * PAR_CHUNK + 7), ("b", 1), ("c", 1000)] {
            l.push(name, &[n], Init::Constant { value: 0.0 });
        }
        let l = Arc::new(l);
        let sizes: Vec<usize> = l.specs.iter().map(|s| s.numel()).collect();
        let params = |draw: &mut dyn FnMut(usize) -> Vec<f32>| {
            let values = sizes.iter().map(|&n| draw(n)).collect();
            Params::<Cpu>::from_host(&Cpu::shared(0), l.clone(), values)
        };
        let g0 = params(&mut draw);
        let (mut m, mut v) = (g0.zeros_like(), g0.zeros_like());
        let (mut m2, mut v2) = (m.clone(), v.clone());
        let (mut d, mut d2) = (g0.zeros_like(), g0.zeros_like());
        for step in 1..=3u64 {
            let g = params(&mut draw);
            let k = AdamScalars {
                b: 0.5,
                a: if step == 2 { 1.0 } else { 0.5 },
                beta2: 0.999,
                c: 0.7 / step as f64,
                eps: 1e-8,
            };
            d.adam_step(&mut m, &mut v, &g, &k);
            m2.scale_add(k.b, k.a, &g);
            v2.scale_add_square(k.beta2, 1.0 - k.beta2, &g);
            d2.adam_ratio(k.c, &m2, &v2, k.eps);
            for (x, y) in [(&m, &m2), (&v, &v2), (&d, &d2)] {
                let bits = |p: &Params<Cpu>| -> Vec<u32> {
                    p.to_host().concat().iter().map(|x| x.to_bits()).collect()
                };
                assert_eq!(bits(x), bits(y), "step {step}");
            }
        }
        assert!(d.all_finite() && d.norm_sq() > 0.0);
    }
}
