"""The App Home workspace: its state (tab, filters, page, the user viewed), what each tab shows (loaded from
the CRM through the permission filter), and the ``views.publish`` payload built by ``bot.blocks.home``."""
