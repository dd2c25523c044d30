from procedures.selectors import agency_serving_portal


def portal(request):
    return {"serving_agency": agency_serving_portal()}
