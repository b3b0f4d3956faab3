"""Financing and asset valuation: carbon assets, PV and storage economics."""
