"""Public pages: FAQ per site with search and category filter; suggestions for the write page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from minsheng.knowledge import conf, selectors, similar_index
from minsheng.knowledge.forms import FaqSearchForm
from minsheng.sites.models import Category, Site

PAGE_SIZE = 20


def _site(code: str) -> Site:
    return get_object_or_404(Site, code=code, is_active=True)


@require_GET
def faq(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = _site(site)
    form = FaqSearchForm(request.GET)
    entries = selectors.public_entries(site_obj)
    query, category = "", None
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if form.cleaned_data["category"]:
            category = Category.objects.filter(pk=form.cleaned_data["category"]).first()
    if category is not None:
        entries = entries.filter(category=category)
    if query:
        entries = selectors.search_entries(entries, query)
    page = Paginator(entries, PAGE_SIZE).get_page(form.cleaned_data.get("page") if form.is_valid() else 1)
    categories = Category.objects.filter(
        pk__in=selectors.public_entries(site_obj).exclude(category=None).values("category")
    ).order_by("name")
    return render(request, "knowledge/faq.html", {
        "site": site_obj, "form": form, "page": page, "query": query, "category": category,
        "categories": categories,
    })


@require_GET
def faq_entry(request: HttpRequest, site: str, pk: int) -> HttpResponse:
    site_obj = _site(site)
    return render(request, "knowledge/faq_entry.html", {
        "site": site_obj, "entry": selectors.public_entry_or_404(site_obj, pk),
    })


@require_GET
@ratelimit(key="ip", rate=lambda group, request: conf.RATE_SIMILAR, method="GET", block=False)
def similar(request: HttpRequest, site: str) -> HttpResponse:
    """An HTML fragment for the write page: published answers and entries like what is typed.
    Only published, masked texts; nothing typed is stored or logged."""
    site_obj = _site(site)
    if getattr(request, "limited", False):
        return render(request, "knowledge/_similar_fragment.html", {"site": site_obj, "limited": True}, status=429)
    title = request.GET.get("title", "")[:100]
    text = request.GET.get("q", "")[:2000]
    cases, entries = [], []
    if len((title + text).strip()) >= 4:
        entries = selectors.similar_entries(site_obj, title, text)
        cases = similar_index.similar_published(site_obj, title, text)
    return render(request, "knowledge/_similar_fragment.html", {
        "site": site_obj, "cases": cases, "entries": entries, "asked": bool((title + text).strip()),
    })
