"""circref_eqs.py -- the hand-written equations of tests/circref.py (PyRates operators, SEMANTICS 3b, 7).

Each entry of EQUATIONS: an operator's equations after inheritance, spaces removed -> a list of
(variable, "ode"|"alg", function of a getter g(name) -> array), in the operation order the YAML writes.
An operator of any name whose equations are listed runs with its own variable values.
"""
import numpy as np

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


PI = np.pi
EQUATIONS = {
    # base_templates
    ("r'=(r0-r)/tau+m_in+u",): [("r", "ode", lambda g: (g("r0") - g("r")) / g("tau") + g("m_in") + g("u"))],
    ("m=m_max/(1+exp(s*(r_thr-r)))",): [
        ("m", "alg", lambda g: g("m_max") / (1 + np.exp(g("s") * (g("r_thr") - g("r")))))],
    ("m=tanh(r)",): [("m", "alg", lambda g: np.tanh(g("r")))],
    ("v'=-v/tau+r_in",): [("v", "ode", lambda g: -g("v") / g("tau") + g("r_in"))],
    ("v'=x", "x'=(r_in-x*(tau_r+tau_d)-v)/(tau_r*tau_d)"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: (g("r_in") - g("x") * (g("tau_r") + g("tau_d")) - g("v")) / (g("tau_r") * g("tau_d")))],
    ("v'=x", "x'=r_in-2*x/tau-v/tau**2"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: g("r_in") - 2 * g("x") / g("tau") - g("v") / g("tau") ** 2)],
    # jansenrit: rpo_e / rpo_i (alpha_op with r_in -> h*m_in/tau), rpo_e_in (m_in -> (m_in + u)), pro
    ("v'=x", "x'=h*m_in/tau-2*x/tau-v/tau**2"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: g("h") * g("m_in") / g("tau") - 2 * g("x") / g("tau") - g("v") / g("tau") ** 2)],
    ("v'=x", "x'=h*(m_in+u)/tau-2*x/tau-v/tau**2"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: g("h") * (g("m_in") + g("u")) / g("tau") - 2 * g("x") / g("tau")
         - g("v") / g("tau") ** 2)],
    ("m=m_max/(1+exp(s*(v_thr-v)))",): [
        ("m", "alg", lambda g: g("m_max") / (1 + np.exp(g("s") * (g("v_thr") - g("v")))))],
    ("d/dt*V_ein=X_ein", "d/dt*X_ein=h_e*c/tau_e*m-V_ein/tau_e^2-2.*X_ein/tau_e", "d/dt*V_iin=X_iin",
     "d/dt*X_iin=h_e*c/(ei_ratio*tau_e)*m-V_iin/tau_e^2-2.*X_iin/tau_e", "d/dt*V_e=X_e",
     "d/dt*X_e=h_e/tau_e*(c*0.8*m_max*sigmoid(r*(V_ein-V_thr))+c*m_in/io_ratio+u)-V_e/tau_e^2-2.*X_e/tau_e",
     "d/dt*V_i=X_i", "d/dt*X_i=h_i*c/(ei_ratio*tau_i)*m_max*sigmoid(r*(V_iin-V_thr))-V_i/tau_i^2-2.*X_i/tau_i",
     "m=m_max*sigmoid(r*(V_e-V_i-V_thr))"): [
        ("V_ein", "ode", lambda g: g("X_ein")),
        ("X_ein", "ode", lambda g: g("h_e") * g("c") / g("tau_e") * g("m") - g("V_ein") / g("tau_e") ** 2
         - 2. * g("X_ein") / g("tau_e")),
        ("V_iin", "ode", lambda g: g("X_iin")),
        ("X_iin", "ode", lambda g: g("h_e") * g("c") / (g("ei_ratio") * g("tau_e")) * g("m")
         - g("V_iin") / g("tau_e") ** 2 - 2. * g("X_iin") / g("tau_e")),
        ("V_e", "ode", lambda g: g("X_e")),
        ("X_e", "ode", lambda g: g("h_e") / g("tau_e") * (g("c") * 0.8 * g("m_max") * _sigmoid(
            g("r") * (g("V_ein") - g("V_thr"))) + g("c") * g("m_in") / g("io_ratio") + g("u"))
         - g("V_e") / g("tau_e") ** 2 - 2. * g("X_e") / g("tau_e")),
        ("V_i", "ode", lambda g: g("X_i")),
        ("X_i", "ode", lambda g: g("h_i") * g("c") / (g("ei_ratio") * g("tau_i")) * g("m_max") * _sigmoid(
            g("r") * (g("V_iin") - g("V_thr"))) - g("V_i") / g("tau_i") ** 2 - 2. * g("X_i") / g("tau_i")),
        ("m", "alg", lambda g: g("m_max") * _sigmoid(g("r") * (g("V_e") - g("V_i") - g("V_thr"))))],
    # wilsoncowan
    ("m=sigmoid(s*(r_in+r_ext-theta))-sigmoid(-s*theta)",): [
        ("m", "alg", lambda g: _sigmoid(g("s") * (g("r_in") + g("r_ext") - g("theta"))) - _sigmoid(-g("s") * g("theta")))],
    ("r'=(-r+(1.0-k*r)*m)/tau",): [("r", "ode", lambda g: (-g("r") + (1.0 - g("k") * g("r")) * g("m")) / g("tau"))],
    # qif mean-field models
    ("r'=(Delta/(pi*tau)+2.0*r*v)/tau", "v'=(v^2+eta+I_ext+tau*r_in-(pi*tau*r)^2)/tau"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + 2.0 * g("r") * g("v")) / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") + g("I_ext") + g("tau") * g("r_in")
                                - (PI * g("tau") * g("r")) ** 2) / g("tau"))],
    ("r'=(Delta/(pi*tau)+2.0*r*v)/tau", "v'=(v^2+eta-a+I_ext+tau*r_in-(pi*tau*r)^2)/tau", "a'=x/tau_a",
     "x'=alpha*r-2.*x/tau_a-a/tau_a"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + 2.0 * g("r") * g("v")) / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") - g("a") + g("I_ext") + g("tau") * g("r_in")
                                - (PI * g("tau") * g("r")) ** 2) / g("tau")),
        ("a", "ode", lambda g: g("x") / g("tau_a")),
        ("x", "ode", lambda g: g("alpha") * g("r") - 2. * g("x") / g("tau_a") - g("a") / g("tau_a"))],
    ("r'=(Delta/(pi*tau)+r*(2.0*v-g))/tau", "v'=(v^2+eta+I_ext+tau*r_in-(pi*tau*r)^2)/tau"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + g("r") * (2.0 * g("v") - g("g"))) / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") + g("I_ext") + g("tau") * g("r_in")
                                - (PI * g("tau") * g("r")) ** 2) / g("tau"))],
    ("r'=(Delta/(pi*tau)+r*(2.0*v-g*s*tau))/tau", "v'=(v^2+eta+I_ext+g*s*tau*(e_r-v)-(pi*tau*r)^2)/tau",
     "s'=-s/tau_s+r_in"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + g("r") * (2.0 * g("v") - g("g") * g("s") * g("tau")))
         / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") + g("I_ext") + g("g") * g("s") * g("tau")
                                * (g("e_r") - g("v")) - (PI * g("tau") * g("r")) ** 2) / g("tau")),
        ("s", "ode", lambda g: -g("s") / g("tau_s") + g("r_in"))],
    # synaptic plasticity edges
    ("x'=(1-x)/tau_x-k*x*u*r_in", "u'=(U0-u)/tau_u+U0*(1-u)*r_in", "r_eff=r_in*x*u"): [
        ("x", "ode", lambda g: (1 - g("x")) / g("tau_x") - g("k") * g("x") * g("u") * g("r_in")),
        ("u", "ode", lambda g: (g("U0") - g("u")) / g("tau_u") + g("U0") * (1 - g("u")) * g("r_in")),
        ("r_eff", "alg", lambda g: g("r_in") * g("x") * g("u"))],
    ("x'=(1-x)/tau_x-k*x*r_in", "r_eff=r_in*x"): [
        ("x", "ode", lambda g: (1 - g("x")) / g("tau_x") - g("k") * g("x") * g("r_in")),
        ("r_eff", "alg", lambda g: g("r_in") * g("x"))],
    ("u'=(U0-u)/tau_u-U0*(1-u)*r_in", "r_eff=r_in*u"): [
        ("u", "ode", lambda g: (g("U0") - g("u")) / g("tau_u") - g("U0") * (1 - g("u")) * g("r_in")),
        ("r_eff", "alg", lambda g: g("r_in") * g("u"))],
    # oscillators
    ("d/dt*theta=omega+K*s_in+s_ext",): [("theta", "ode", lambda g: g("omega") + g("K") * g("s_in") + g("s_ext"))],
    ("s=sin(theta_s-theta_t)",): [("s", "alg", lambda g: np.sin(g("theta_s") - g("theta_t")))],
    ("s=sin(2*pi*theta)",): [("s", "alg", lambda g: np.sin(2 * PI * g("theta")))],
    ("x'=z", "z'=mu*z*(1-x^2)-x+inp"): [
        ("x", "ode", lambda g: g("z")),
        ("z", "ode", lambda g: g("mu") * g("z") * (1 - g("x") * g("x")) - g("x") + g("inp"))],
}

