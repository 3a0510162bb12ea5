"""The layout of the kernel's settings and state arrays: the names of the integer settings ``ci`` and of the real
settings ``cf`` by index, and the indices of the integer state ``istate`` (shared by the step loop, the sample draw
and the update)."""

# indices of the integer settings (ci) and of the real settings (cf) of the kernel
CI = "algorithm tau_x tau_p tau_theta source order optimizer node backprop scalar_noise k n_train task record".split()
CF = "dtheta norm eta beta beta1 beta2 eps sigma_cost sigma_theta theta_max tau_hp dt tau_theta_f".split()
# the integer state (istate): step n, sample order's count, optimizer started, next evaluation index
N, COUNT, STARTED, EVAL = range(4)
