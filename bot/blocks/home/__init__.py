"""Pure builders of the App Home view: one module per tab (data in, Block Kit out), the shared chrome (tab
row, "Viewing as" picker, pagers), the Home modals, and ``view.home_view`` that assembles and validates it."""
